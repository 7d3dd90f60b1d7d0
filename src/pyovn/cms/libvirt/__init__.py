"""The libvirt integration: domain XML, `attach`, and the agent."""
