"""ovs-vsctl's commands: the Open_vSwitch database's API and verbs."""
