"""OVN's logical-flow language: matches, actions, symbols, evaluation, OpenFlow.

Provisional public face; completed in later commits.
"""

from pyovn.lflow.action_parser import parse_action_list as parse_actions
from pyovn.lflow.actions import ActionList, format_actions
from pyovn.lflow.parser import parse_expression as parse_match
from pyovn.lflow.printer import format_match

__all__ = ["ActionList", "format_actions", "format_match", "parse_actions", "parse_match"]
