"""The e2e fixtures (Meta simulator and its config) for the real-WordPress tests."""

from tests.e2e.conftest import e2e_meta_config, meta_sim  # noqa: F401  (shared e2e fixtures)
