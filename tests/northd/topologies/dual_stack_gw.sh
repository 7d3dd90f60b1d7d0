# Dual stack with a second router and a gateway: sw1 (VMs) behind lr1, which
# reaches lr2 over the dual-stack join switch; lr2 has a distributed gateway
# port to "ext" (localnet) with IPv4 and IPv6. IPv6 default routes on both
# routers, an ECMP IPv6 route and a source-IP IPv6 route on lr1.
nbctl ls-add sw1 -- ls-add join -- ls-add ext
addvm() { nbctl lsp-add "$1" "$2" -- lsp-set-addresses "$2" "$3 $4 $5" -- lsp-set-port-security "$2" "$3 $4 $5"; }
addvm sw1 vm1 50:54:00:00:01:11 10.0.0.11 fd00::11
addvm sw1 vm2 50:54:00:00:01:12 10.0.0.12 fd00::12
nbctl lsp-add ext ln-ext -- lsp-set-type ln-ext localnet -- lsp-set-addresses ln-ext unknown -- lsp-set-options ln-ext network_name=physnet1
nbctl lr-add lr1 -- lr-add lr2
nbctl lrp-add lr1 lr1-sw1 00:00:00:00:ff:01 10.0.0.1/24 fd00::1/64
nbctl lrp-add lr1 lr1-join 00:00:00:00:ff:02 100.64.0.1/24 fd10::1/64
nbctl lrp-add lr2 lr2-join 00:00:00:00:ff:03 100.64.0.2/24 fd10::2/64
nbctl lrp-add lr2 lr2-ext 00:00:00:00:ff:04 172.16.0.1/24 2001:db8::1/64
nbctl lrp-set-gateway-chassis lr2-ext hv1 20
link() { nbctl lsp-add "$1" "$2" -- lsp-set-type "$2" router -- lsp-set-addresses "$2" router -- lsp-set-options "$2" router-port="$3"; }
link sw1 sw1-lr1 lr1-sw1
link join join-lr1 lr1-join
link join join-lr2 lr2-join
link ext ext-lr2 lr2-ext
nbctl lr-route-add lr1 0.0.0.0/0 100.64.0.2
nbctl lr-route-add lr1 ::/0 fd10::2
nbctl lr-route-add lr1 fd20::/64 fd10::2
nbctl --ecmp lr-route-add lr1 fd20::/64 fd00::12
nbctl --policy=src-ip lr-route-add lr1 fd00::11/128 fd10::2
nbctl lr-route-add lr2 10.0.0.0/24 100.64.0.1
nbctl lr-route-add lr2 fd00::/64 fd10::1
nbctl lr-route-add lr2 ::/0 2001:db8::fe
# IPv6 NAT on the gateway port: SNAT for sw1's prefix, a centralized floating IP.
nbctl lr-nat-add lr2 snat 2001:db8::100 fd00::/64
nbctl lr-nat-add lr2 dnat_and_snat 2001:db8::111 fd00::11
