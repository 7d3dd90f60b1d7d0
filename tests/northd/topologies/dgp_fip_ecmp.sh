nbctl ls-add sw1 -- lsp-add sw1 vm1 -- lsp-set-addresses vm1 "50:54:00:00:01:11 10.0.0.11" -- lsp-add sw1 vm2 -- lsp-set-addresses vm2 "50:54:00:00:01:12 10.0.0.12"
nbctl ls-add ext -- lsp-add ext ln -- lsp-set-type ln localnet -- lsp-set-addresses ln unknown -- lsp-set-options ln network_name=phys
nbctl lr-add lr1 -- lrp-add lr1 lr1-sw1 00:00:00:00:ff:01 10.0.0.1/24 -- lrp-add lr1 lr1-ext 00:00:00:00:ff:03 172.16.0.1/24
nbctl lrp-set-gateway-chassis lr1-ext hv1 10
nbctl lsp-add sw1 sw1-lr1 -- lsp-set-type sw1-lr1 router -- lsp-set-addresses sw1-lr1 router -- lsp-set-options sw1-lr1 router-port=lr1-sw1
nbctl lsp-add ext ext-lr1 -- lsp-set-type ext-lr1 router -- lsp-set-addresses ext-lr1 router -- lsp-set-options ext-lr1 router-port=lr1-ext
nbctl lr-nat-add lr1 dnat_and_snat 172.16.0.120 10.0.0.11 vm1 0a:00:00:00:01:20
nbctl lr-nat-add lr1 dnat 172.16.0.130 10.0.0.12
nbctl lr-nat-add lr1 snat 172.16.0.1 10.0.0.0/24
nbctl lr-route-add lr1 0.0.0.0/0 172.16.0.254
nbctl --ecmp lr-route-add lr1 20.0.0.0/8 172.16.0.250
nbctl --ecmp lr-route-add lr1 20.0.0.0/8 172.16.0.251
nbctl --policy=src-ip lr-route-add lr1 10.0.0.128/25 172.16.0.252
