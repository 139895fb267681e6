"""Shared fixtures for the system tests."""
import pytest

# ---------------------------------------------------------------------------
# Host kbootd (API and browser tests): see kbootd_host.py. No QEMU needed.
# ---------------------------------------------------------------------------
from kbootd_host import Kbootd


@pytest.fixture(scope="module")
def kbootd(tmp_path_factory):
    """A kbootd with no countdown, shared by a test module's read-only tests."""
    server = Kbootd(tmp_path_factory.mktemp("kbootd")).start()
    yield server
    server.stop()


@pytest.fixture
def kbootd_factory(tmp_path_factory):
    """Start a kbootd of one's own (a countdown, auth=none, a lockout test)."""
    servers = []

    def start(**kwargs):
        server = Kbootd(tmp_path_factory.mktemp("kbootd"), **kwargs).start()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.stop()

# ---------------------------------------------------------------------------
# QEMU fixtures (lead) go below this line.
# ---------------------------------------------------------------------------
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from vm_fixtures import boot_vm, demo_disk, kboot_image, pristine_demo_disk  # noqa: E402,F401
