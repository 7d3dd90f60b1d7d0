"""ovn-sbctl's commands: the Southbound database's API and verbs."""
