"""ovn-nbctl's commands: `NbApi` (one method per verb) and the command objects."""
