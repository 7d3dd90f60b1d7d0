"""How much of the controller's OpenFlow os-ken can encode (the backend choice).

    python benchmarks/osken_coverage.py FLOWS.txt   # with os-ken installed

FLOWS.txt is an `ovs-ofctl dump-flows` of br-int (realovs_bench.py --dump
writes pyovn's as flows-pyovn.txt). os-ken has no parser for ovs-ofctl
match syntax; for actions it has `ofctl_string.ofp_instruction_from_str`.
This counts the flows whose action text it accepts and lists the action
keywords it rejects, by number of flows. os-ken is not a pyovn dependency.
"""

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

from os_ken.lib import ofctl_string  # type: ignore[import-not-found]
from os_ken.ofproto import ofproto_v1_5  # type: ignore[import-not-found]


def main() -> None:
    flows = [line for line in Path(sys.argv[1]).read_text().splitlines() if "actions=" in line]
    rejected: collections.Counter[str] = collections.Counter()
    accepted = 0
    for flow in flows:
        actions = flow.split("actions=", 1)[1].strip()
        try:
            ofctl_string.ofp_instruction_from_str(ofproto_v1_5, actions)
        except Exception as error:  # os-ken raises assorted exceptions
            keyword = re.match(r"[a-z_]+", str(getattr(error, "kwargs", {}).get("action_str", "")))
            rejected[keyword.group(0) if keyword else type(error).__name__] += 1
        else:
            accepted += 1
    print(
        f"{len(flows)} flows: os-ken parses the actions of {accepted}, "
        f"rejects {len(flows) - accepted}"
    )
    for keyword, count in rejected.most_common():
        print(f"  {count:5} flows: {keyword}")


if __name__ == "__main__":
    main()
