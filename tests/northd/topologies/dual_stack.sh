# Dual stack: sw1 and sw2 with VMs holding an IPv4 and an IPv6 address,
# joined by lr1 whose ports carry an IPv4 and a global IPv6 network, with an
# IPv6 static route via a VM on sw2 (no gateway port, no NAT), and IPv6
# router advertisements.
nbctl ls-add sw1 -- ls-add sw2
addvm() { nbctl lsp-add "$1" "$2" -- lsp-set-addresses "$2" "$3 $4 $5" -- lsp-set-port-security "$2" "$3 $4 $5"; }
addvm sw1 vm1 50:54:00:00:01:11 10.0.0.11 fd00::11
addvm sw1 vm2 50:54:00:00:01:12 10.0.0.12 fd00::12
addvm sw2 vm3 50:54:00:00:02:13 10.0.1.13 fd01::13
addvm sw2 vm4 50:54:00:00:02:14 10.0.1.14 fd01::14
nbctl lr-add lr1
nbctl lrp-add lr1 lr1-sw1 00:00:00:00:ff:01 10.0.0.1/24 fd00::1/64
nbctl lrp-add lr1 lr1-sw2 00:00:00:00:ff:02 10.0.1.1/24 fd01::1/64
link() { nbctl lsp-add "$1" "$2" -- lsp-set-type "$2" router -- lsp-set-addresses "$2" router -- lsp-set-options "$2" router-port="$3"; }
link sw1 sw1-lr1 lr1-sw1
link sw2 sw2-lr1 lr1-sw2
nbctl lr-route-add lr1 fd02::/64 fd01::14
nbctl lr-route-add lr1 192.168.50.0/24 10.0.1.14
# Router advertisements: SLAAC with DNS options sent periodically too on sw1,
# stateful DHCPv6 with an MTU on sw2.
nbctl set Logical_Router_Port lr1-sw1 ipv6_ra_configs:address_mode=slaac ipv6_ra_configs:send_periodic=true ipv6_ra_configs:max_interval=30 ipv6_ra_configs:rdnss=fd00::53 ipv6_ra_configs:dnssl=example.com
nbctl set Logical_Router_Port lr1-sw2 ipv6_ra_configs:address_mode=dhcpv6_stateful ipv6_ra_configs:mtu=1400 ipv6_ra_configs:router_preference=HIGH
