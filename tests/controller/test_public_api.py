"""The public faces of pyovn.controller and pyovn.cloud, and their error families."""

import pyovn.cloud
import pyovn.controller
from pyovn.errors import PyovnError


def test_every_exported_name_exists() -> None:
    for package in (pyovn.controller, pyovn.cloud):
        for name in package.__all__:
            assert hasattr(package, name), f"{package.__name__}.{name}"
        assert package.__all__ == sorted(package.__all__)


def test_errors_form_one_family_per_package() -> None:
    from pyovn.cloud import CloudError, RunDirError, VmError
    from pyovn.controller import ChannelError, ConfigError, ControllerError, PinctrlError

    assert all(issubclass(e, ControllerError) for e in (ChannelError, ConfigError, PinctrlError))
    assert all(issubclass(e, CloudError) for e in (RunDirError, VmError))
    assert issubclass(ControllerError, PyovnError) and issubclass(CloudError, PyovnError)
