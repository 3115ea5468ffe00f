"""USSD conversations, one YAML script each (tests/channels/scripts/ussd_*.yaml)."""
import pytest

from tests.channels.scripts.runner import load_scripts, run_script


@pytest.mark.parametrize("script", load_scripts("ussd_*.yaml"), ids=lambda p: p.stem)
def test_ussd_script(client, world, script):
    run_script(client, script, world.passenger.phone)
