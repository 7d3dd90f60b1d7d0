nbctl ls-add s1 -- lsp-add s1 p1 -- lsp-set-addresses p1 "00:00:00:00:00:01 10.0.0.1 fd00::1" -- lsp-add s1 p2 -- lsp-set-addresses p2 "00:00:00:00:00:02 10.0.0.2" unknown -- lsp-add s1 p3 -- lsp-set-addresses p3 unknown -- lsp-set-enabled p3 disabled
nbctl acl-add s1 from-lport 100 'ip4.src == 10.0.0.1' allow
nbctl acl-add s1 to-lport 200 'tcp.dst == 80' drop
nbctl acl-add s1 to-lport 300 'udp' allow-stateless
nbctl acl-add s1 from-lport 400 'icmp4' reject
nbctl --label=1234 acl-add s1 from-lport 500 'tcp.dst == 22' allow-related
nbctl --log --name=foo --severity=alert acl-add s1 to-lport 600 'tcp.dst == 23' drop
nbctl --log acl-add s1 to-lport 601 'tcp.dst == 24' allow-related
