"""pytest fixtures for QEMU end-to-end tests: the demo disk and booted VMs."""
import os
import shutil
import sys

import pytest

from qemu import KbootVM, image_paths

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
import demo  # noqa: E402


@pytest.fixture(scope="session")
def kboot_image():
    try:
        return image_paths()
    except RuntimeError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def pristine_demo_disk(kboot_image, tmp_path_factory):
    """The demo disk, built once per session; tests boot copies of it."""
    path = tmp_path_factory.mktemp("disks") / "demo.img"
    version = demo.build(str(path), kboot_image[0])
    return {"path": str(path), "version": version}


@pytest.fixture
def demo_disk(pristine_demo_disk, tmp_path):
    path = tmp_path / "demo.img"
    shutil.copyfile(pristine_demo_disk["path"], path)
    return {"path": str(path), "version": pristine_demo_disk["version"]}


@pytest.fixture
def boot_vm(tmp_path):
    """boot_vm(disks=[...], append="...", files={...}) -> a running KbootVM."""
    vms = []

    def start(**kw):
        workdir = tmp_path / f"vm{len(vms)}"
        workdir.mkdir()
        vm = KbootVM(str(workdir), **kw)
        vms.append(vm)
        return vm

    yield start
    for vm in vms:
        vm.kill()
