# The seed topology (same NB content as ../shared/realovn/topology.sh):
# sw1 (vm1, vm2, DHCP) and sw2 (vm3, vm4) joined by lr1, which has a
# distributed gateway port to "ext" (localnet), SNAT, a floating IP,
# static routes, and a port group with stateful ACLs and an address set.
nbctl ls-add sw1 -- set Logical_Switch sw1 other_config:subnet=10.0.0.0/24
nbctl ls-add sw2 -- set Logical_Switch sw2 other_config:subnet=10.0.1.0/24
nbctl ls-add ext
addvm() { nbctl lsp-add "$1" "$2" -- lsp-set-addresses "$2" "$3 $4" -- lsp-set-port-security "$2" "$3 $4"; }
addvm sw1 vm1 50:54:00:00:01:11 10.0.0.11
addvm sw1 vm2 50:54:00:00:01:12 10.0.0.12
addvm sw2 vm3 50:54:00:00:02:13 10.0.1.13
addvm sw2 vm4 50:54:00:00:02:14 10.0.1.14
nbctl lsp-add ext ln-ext -- lsp-set-type ln-ext localnet -- lsp-set-addresses ln-ext unknown -- lsp-set-options ln-ext network_name=physnet1
nbctl lr-add lr1
nbctl lrp-add lr1 lr1-sw1 00:00:00:00:ff:01 10.0.0.1/24
nbctl lrp-add lr1 lr1-sw2 00:00:00:00:ff:02 10.0.1.1/24
nbctl lrp-add lr1 lr1-ext 00:00:00:00:ff:03 172.16.0.1/24
nbctl lrp-set-gateway-chassis lr1-ext hv1 20
link() { nbctl lsp-add "$1" "$2" -- lsp-set-type "$2" router -- lsp-set-addresses "$2" router -- lsp-set-options "$2" router-port="$3"; }
link sw1 sw1-lr1 lr1-sw1
link sw2 sw2-lr1 lr1-sw2
link ext ext-lr1 lr1-ext
nbctl lr-nat-add lr1 snat 172.16.0.100 10.0.0.0/24
nbctl lr-nat-add lr1 dnat_and_snat 172.16.0.110 10.0.0.12
nbctl lr-route-add lr1 0.0.0.0/0 172.16.0.254
nbctl lr-route-add lr1 192.168.50.0/24 10.0.1.14
nbctl static-mac-binding-add lr1-ext 172.16.0.254 0a:00:00:00:00:fe
nbctl create Address_Set name=as_admins addresses='"10.0.1.14","10.0.0.12"'
nbctl pg-add pg_web vm1 vm3
nbctl acl-add pg_web from-lport 1002 'inport == @pg_web && ip4' allow-related
nbctl acl-add pg_web to-lport 1002 'outport == @pg_web && ip4 && ip4.src == $as_admins && tcp.dst == 22' allow-related
nbctl acl-add pg_web to-lport 1002 'outport == @pg_web && ip4 && tcp.dst == 80' allow-related
nbctl acl-add pg_web to-lport 1002 'outport == @pg_web && ip4 && icmp4' allow-related
nbctl acl-add pg_web to-lport 1001 'outport == @pg_web && ip' drop
nbctl acl-add pg_web from-lport 1001 'inport == @pg_web && ip' drop
DHCP=$(nbctl create DHCP_Options cidr=10.0.0.0/24 options='"lease_time"="3600" "router"="10.0.0.1" "server_id"="10.0.0.1" "server_mac"="00:00:00:00:ff:01" "dns_server"="{8.8.8.8}" "mtu"="1442"')
nbctl lsp-set-dhcpv4-options vm1 "$DHCP"
nbctl lsp-set-dhcpv4-options vm2 "$DHCP"
