# pyovn trace's own topology: a gateway router (l3gateway, pinned to a
# chassis) joining a tenant switch to an external localnet switch, SNAT
# and a floating IP on it, a load balancer on the tenant switch and on the
# router, and a reject ACL.
nbctl ls-add t1 -- set Logical_Switch t1 other_config:subnet=192.168.1.0/24
for i in 1 2 3; do
  nbctl lsp-add t1 w$i -- lsp-set-addresses w$i "0a:00:00:00:01:0$i 192.168.1.1$i" -- lsp-set-port-security w$i "0a:00:00:00:01:0$i 192.168.1.1$i"
done
nbctl ls-add out -- lsp-add out ln-out -- lsp-set-type ln-out localnet -- lsp-set-addresses ln-out unknown -- lsp-set-options ln-out network_name=phys
nbctl lr-add gw -- set Logical_Router gw options:chassis=hv1
nbctl lrp-add gw gw-t1 00:00:00:00:fe:01 192.168.1.1/24
nbctl lrp-add gw gw-out 00:00:00:00:fe:02 172.18.0.1/24
nbctl lsp-add t1 t1-gw -- lsp-set-type t1-gw router -- lsp-set-addresses t1-gw router -- lsp-set-options t1-gw router-port=gw-t1
nbctl lsp-add out out-gw -- lsp-set-type out-gw router -- lsp-set-addresses out-gw router -- lsp-set-options out-gw router-port=gw-out
nbctl lr-nat-add gw snat 172.18.0.100 192.168.1.0/24
nbctl lr-nat-add gw dnat_and_snat 172.18.0.111 192.168.1.11
nbctl lr-route-add gw 0.0.0.0/0 172.18.0.254
nbctl lb-add web 192.168.1.100:80 192.168.1.12:8080,192.168.1.13:8080 tcp
nbctl ls-lb-add t1 web
nbctl lb-add pub 172.18.0.200:443 192.168.1.12:443 tcp
nbctl lr-lb-add gw pub
nbctl acl-add t1 to-lport 1000 'outport == "w3" && tcp.dst == 23' reject
