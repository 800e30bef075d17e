"""The webhook and e2e fixtures, shared with the shop tests."""

from tests.e2e.conftest import e2e_meta_config, meta_sim  # noqa: F401
from tests.webhooks.conftest import make_token, plugin_client  # noqa: F401
