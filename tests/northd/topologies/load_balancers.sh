# Load balancers on a switch and on a gateway router: tcp, udp and port-less VIPs,
# a load balancer group, and allow-related ACLs so that the stateful paths run.
nbctl ls-add sw1 -- lsp-add sw1 vm1 -- lsp-set-addresses vm1 "50:54:00:00:01:11 10.0.0.11" -- lsp-add sw1 vm2 -- lsp-set-addresses vm2 "50:54:00:00:01:12 10.0.0.12" -- lsp-add sw1 vm3 -- lsp-set-addresses vm3 "50:54:00:00:01:13 10.0.0.13"
nbctl ls-add sw2 -- lsp-add sw2 vm4 -- lsp-set-addresses vm4 "50:54:00:00:02:14 10.0.1.14" -- lsp-add sw2 vm5 -- lsp-set-addresses vm5 "50:54:00:00:02:15 10.0.1.15"
nbctl lr-add lr1 -- set Logical_Router lr1 options:chassis=hv1
nbctl lrp-add lr1 lr1-sw1 00:00:00:00:ff:01 10.0.0.1/24 -- lrp-add lr1 lr1-sw2 00:00:00:00:ff:02 10.0.1.1/24
nbctl lsp-add sw1 sw1-lr1 -- lsp-set-type sw1-lr1 router -- lsp-set-addresses sw1-lr1 router -- lsp-set-options sw1-lr1 router-port=lr1-sw1
nbctl lsp-add sw2 sw2-lr1 -- lsp-set-type sw2-lr1 router -- lsp-set-addresses sw2-lr1 router -- lsp-set-options sw2-lr1 router-port=lr1-sw2
nbctl pg-add pg_web vm2 vm3
nbctl acl-add pg_web to-lport 1002 'outport == @pg_web && ip4 && tcp.dst == 80' allow-related
nbctl acl-add pg_web to-lport 1001 'outport == @pg_web && ip4' drop
nbctl lb-add lb_tcp 10.0.0.100:80 10.0.0.12:8080,10.0.0.13:8080 tcp
nbctl lb-add lb_udp 10.0.0.101:53 10.0.0.12:5353,10.0.1.14:5353 udp
nbctl lb-add lb_any 10.0.0.102 10.0.0.12,10.0.0.13
nbctl ls-lb-add sw1 lb_tcp -- ls-lb-add sw1 lb_udp -- ls-lb-add sw1 lb_any -- ls-lb-add sw2 lb_udp
nbctl lb-add lb_gw 172.16.0.200:80 10.0.1.14:80,10.0.1.15:80 tcp
nbctl lr-lb-add lr1 lb_gw
nbctl lb-add lb_grp 10.0.1.200:443 10.0.1.15:8443 tcp
nbctl -- --id=@g create Load_Balancer_Group name=grp load_balancer=$(nbctl --bare --columns=_uuid find Load_Balancer name=lb_grp) -- add Logical_Switch sw2 load_balancer_group @g
# A distributed router with a gateway port: backends are picked on the gateway chassis.
nbctl ls-add sw3 -- lsp-add sw3 vm6 -- lsp-set-addresses vm6 "50:54:00:00:03:16 10.0.3.16" -- lsp-add sw3 vm7 -- lsp-set-addresses vm7 "50:54:00:00:03:17 10.0.3.17"
nbctl ls-add ext -- lsp-add ext ln -- lsp-set-type ln localnet -- lsp-set-addresses ln unknown -- lsp-set-options ln network_name=phys
nbctl lr-add lr2 -- lrp-add lr2 lr2-sw3 00:00:00:00:ff:03 10.0.3.1/24 -- lrp-add lr2 lr2-ext 00:00:00:00:ff:04 172.16.1.1/24
nbctl lrp-set-gateway-chassis lr2-ext hv1 10
nbctl lsp-add sw3 sw3-lr2 -- lsp-set-type sw3-lr2 router -- lsp-set-addresses sw3-lr2 router -- lsp-set-options sw3-lr2 router-port=lr2-sw3
nbctl lsp-add ext ext-lr2 -- lsp-set-type ext-lr2 router -- lsp-set-addresses ext-lr2 router -- lsp-set-options ext-lr2 router-port=lr2-ext
nbctl lr-nat-add lr2 snat 172.16.1.1 10.0.3.0/24
nbctl lb-add lb_ext 172.16.1.100:80 10.0.3.16:80,10.0.3.17:80 tcp
nbctl lb-add lb_ext_any 172.16.1.101 10.0.3.16
nbctl lb-add lb_in 10.0.3.100:53 10.0.3.17:53 udp
nbctl lr-lb-add lr2 lb_ext -- lr-lb-add lr2 lb_ext_any -- lr-lb-add lr2 lb_in -- ls-lb-add sw3 lb_in
# VIPs without backends: rejected (option reject) or dropped.
nbctl -- --id=@lb create Load_Balancer name=lb_rej protocol=tcp 'vips:"10.0.0.103:80"=""' options:reject=true -- add Logical_Switch sw1 load_balancer @lb -- add Logical_Router lr1 load_balancer @lb
nbctl -- --id=@lb create Load_Balancer name=lb_none protocol=udp 'vips:"172.16.1.102:53"=""' -- add Logical_Router lr2 load_balancer @lb
# options:skip_snat: the router's SNAT leaves these connections alone.
nbctl lb-add lb_skip 172.16.1.103:8080 10.0.3.16:8080 tcp -- set Load_Balancer lb_skip options:skip_snat=true -- lr-lb-add lr2 lb_skip
nbctl lb-add lb_gw_skip 172.16.0.201:80 10.0.1.14:80 tcp -- set Load_Balancer lb_gw_skip options:skip_snat=true -- lr-lb-add lr1 lb_gw_skip
