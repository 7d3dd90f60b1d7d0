"""pyovn.cms.neutron: a Neutron v2.0 REST API over the OVN Northbound DB.

    app = create_app(ApiSettings(nb_remote="unix:/run/ovn/ovnnb_db.sock",
                                 token_file=Path("tokens")))
    # served by `pyovn api --nb-db ... --listen 127.0.0.1:9696`

Each request runs one command (networks.py, subnets.py, ports.py, routers.py,
floatingips.py, security_groups.py) in one NB transaction; the resources
live in the NB's external_ids (naming.py), so API servers keep no state and
several can serve the same NB. The mapping is documented in
docs/api-mapping.md.
"""

from pyovn.cms.neutron.app import create_app
from pyovn.cms.neutron.auth import Principal, TokenStore
from pyovn.cms.neutron.errors import NeutronError
from pyovn.cms.neutron.service import ApiSettings, NeutronService

__all__ = ["ApiSettings", "NeutronError", "NeutronService", "Principal", "TokenStore", "create_app"]
