"""Southbound side of northd: desired SB rows and the minimal transaction."""
