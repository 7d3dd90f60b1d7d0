# Port varieties: disabled ports, 'unknown' addresses with and without
# port security, several IPs, IPv6, a localnet port with a VLAN tag, a
# localport, and a router without gateway port (plain distributed routing).
nbctl ls-add s1 -- lsp-add s1 p1 -- lsp-set-addresses p1 "00:00:00:00:00:01 10.0.0.1 10.0.0.101 fd00::1"
nbctl lsp-add s1 p2 -- lsp-set-addresses p2 "00:00:00:00:00:02 10.0.0.2" unknown
nbctl lsp-add s1 p3 -- lsp-set-addresses p3 unknown -- lsp-set-enabled p3 disabled
nbctl lsp-add s1 p4 -- lsp-set-addresses p4 "00:00:00:00:00:04 10.0.0.4" -- lsp-set-port-security p4 "00:00:00:00:00:04 10.0.0.4"
nbctl lsp-add s1 lp -- lsp-set-type lp localport -- lsp-set-addresses lp "00:00:00:00:00:fe 10.0.0.254"
nbctl lsp-add s1 ln1 -- lsp-set-type ln1 localnet -- lsp-set-addresses ln1 unknown -- lsp-set-options ln1 network_name=phys -- set logical_switch_port ln1 tag_request=100
nbctl ls-add s2 -- lsp-add s2 q1 -- lsp-set-addresses q1 "00:00:00:00:01:01 10.0.1.5"
# An address outside the router port's subnet: no static ARP resolve for it.
nbctl lsp-add s2 q2 -- lsp-set-addresses q2 "00:00:00:00:01:02 10.0.1.6 192.168.77.7"
nbctl lr-add r1 -- lrp-add r1 r1-s1 00:00:00:00:ff:01 10.0.0.250/24 -- lrp-add r1 r1-s2 00:00:00:00:ff:02 10.0.1.1/24
nbctl lsp-add s1 s1-r1 -- lsp-set-type s1-r1 router -- lsp-set-addresses s1-r1 router -- lsp-set-options s1-r1 router-port=r1-s1
nbctl lsp-add s2 s2-r1 -- lsp-set-type s2-r1 router -- lsp-set-addresses s2-r1 router -- lsp-set-options s2-r1 router-port=r1-s2
nbctl lr-route-add r1 20.0.0.0/24 10.0.1.5
