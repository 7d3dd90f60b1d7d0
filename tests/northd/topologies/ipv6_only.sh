# IPv6-only router ports (one with two IPv6 networks, one a /120), a VM with
# two IPv6 addresses and no port security, a /48 static route and a source-IP
# route; plus an IPv4-only switch on the same router.
nbctl ls-add sw1 -- ls-add sw2
nbctl lsp-add sw1 vm1 -- lsp-set-addresses vm1 "50:54:00:00:01:11 fd00::11" -- lsp-set-port-security vm1 "50:54:00:00:01:11 fd00::11"
nbctl lsp-add sw2 vm2 -- lsp-set-addresses vm2 "50:54:00:00:01:12 fd01::12 fd01::22"
nbctl lr-add lr1
nbctl lrp-add lr1 lr1-sw1 00:00:00:00:ff:01 fd00::1/64
nbctl lrp-add lr1 lr1-sw2 00:00:00:00:ff:02 fd01::1/64 fd03::1/120
link() { nbctl lsp-add "$1" "$2" -- lsp-set-type "$2" router -- lsp-set-addresses "$2" router -- lsp-set-options "$2" router-port="$3"; }
link sw1 sw1-lr1 lr1-sw1
link sw2 sw2-lr1 lr1-sw2
nbctl lr-route-add lr1 fd09::/48 fd01::99
nbctl --policy=src-ip lr-route-add lr1 fd00::/64 fd01::12
# An IPv4-only switch on the same router, so that the IPv4 packet matrix is not empty.
nbctl ls-add sw3 -- lrp-add lr1 lr1-sw3 00:00:00:00:ff:03 10.0.3.1/24
link sw3 sw3-lr1 lr1-sw3
nbctl lsp-add sw3 vm3 -- lsp-set-addresses vm3 "50:54:00:00:03:13 10.0.3.13"
nbctl lsp-add sw3 vm4 -- lsp-set-addresses vm4 "50:54:00:00:03:14 10.0.3.14"
