nbctl ls-add s1 -- lsp-add s1 p1 -- lsp-set-addresses p1 "00:00:00:00:00:01 10.0.0.5" -- lsp-add s1 p2 -- lsp-set-addresses p2 "00:00:00:00:00:02 10.0.0.6 10.1.0.6" -- lsp-add s1 p3 -- lsp-set-addresses p3 "00:00:00:00:00:03 192.168.0.3"
D=$(nbctl create DHCP_Options cidr=10.0.0.0/24 options='"lease_time"="3600" "router"="10.0.0.1" "server_id"="10.0.0.1" "server_mac"="00:00:00:00:ff:01" "domain_name"="\"foo.org\"" "hostname"="\"h1\"" "bogus"="x" "classless_static_route"="{30.0.0.0/24,10.0.0.10, 0.0.0.0/0,10.0.0.1}"')
nbctl lsp-set-dhcpv4-options p1 $D
nbctl lsp-set-dhcpv4-options p2 $D
nbctl lsp-set-dhcpv4-options p3 $D
nbctl acl-add s1 to-lport 100 'tcp' reject
# DHCPv6: stateful (ia_addr) for a dual-stack and an IPv6-only port, stateless for another.
nbctl lsp-add s1 p6 -- lsp-set-addresses p6 "00:00:00:00:00:06 10.0.0.16 ae70::6" -- lsp-add s1 p7 -- lsp-set-addresses p7 "00:00:00:00:00:07 ae70::7" -- lsp-add s1 p8 -- lsp-set-addresses p8 "00:00:00:00:00:08 ae70::8"
D6=$(nbctl create DHCP_Options 'cidr="ae70::/64"' options='"server_id"="00:00:00:00:10:02" "dns_server"="{ae70::1,ae70::2}" "domain_search"="\"foo.com\""')
D6S=$(nbctl create DHCP_Options 'cidr="ae70::/64"' options='"server_id"="00:00:00:00:10:03" "dhcpv6_stateless"="true"')
nbctl lsp-set-dhcpv6-options p6 $D6 -- lsp-set-dhcpv6-options p7 $D6 -- lsp-set-dhcpv6-options p8 $D6S
