# Three tenants in the style of ../shared/realovn/gen_nb.py: per tenant a
# router with two switches of VMs, a distributed gateway port on a shared
# external switch, SNAT and a floating IP, a port group and address set with
# stateful ACLs. Exercises router-to-router neighbours on the shared switch.
nbctl ls-add ext -- lsp-add ext ln-ext -- lsp-set-type ln-ext localnet -- lsp-set-addresses ln-ext unknown -- lsp-set-options ln-ext network_name=physnet1
for t in 0 1 2; do
  lr=lr$t
  nbctl lr-add $lr -- lrp-add $lr $lr-ext 0e:00:00:00:0$t:ff 172.16.0.1$t/16
  nbctl lrp-set-gateway-chassis $lr-ext hv1 10
  nbctl lsp-add ext ext-$lr -- lsp-set-type ext-$lr router -- lsp-set-addresses ext-$lr router -- lsp-set-options ext-$lr router-port=$lr-ext
  nbctl lr-route-add $lr 0.0.0.0/0 172.16.0.1
  ports=""
  for s in a b; do
    ls=ls$t$s; net=10.$t.$( [ $s = a ] && echo 1 || echo 2 )
    nbctl ls-add $ls -- lrp-add $lr $lr-$ls 0e:00:00:0$t:0$( [ $s = a ] && echo 1 || echo 2 ):00 $net.1/24
    nbctl lsp-add $ls $ls-$lr -- lsp-set-type $ls-$lr router -- lsp-set-addresses $ls-$lr router -- lsp-set-options $ls-$lr router-port=$lr-$ls
    for p in 1 2; do
      vm=vm$t$s$p; mac=0a:00:0$t:0$( [ $s = a ] && echo 1 || echo 2 ):00:0$p
      nbctl lsp-add $ls $vm -- lsp-set-addresses $vm "$mac $net.1$p" -- lsp-set-port-security $vm "$mac $net.1$p"
      ports="$ports $vm"
    done
  done
  nbctl lr-nat-add $lr snat 172.16.0.1$t 10.$t.1.0/24
  nbctl lr-nat-add $lr dnat_and_snat 172.20.0.1$t 10.$t.1.11
  nbctl create Address_Set name=as$t addresses='"10.'$t'.1.11","10.'$t'.2.12"'
  nbctl pg-add pg$t $ports
  nbctl acl-add pg$t from-lport 1002 "inport == @pg$t && ip4" allow-related
  nbctl acl-add pg$t to-lport 1002 "outport == @pg$t && ip4 && ip4.src == \$as$t" allow-related
  nbctl acl-add pg$t to-lport 1002 "outport == @pg$t && ip4 && tcp.dst == 22" allow-related
done
