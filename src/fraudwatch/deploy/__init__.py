"""Publishing to Posit Connect: bundles for the dashboard, the API and the scheduled jobs."""

from fraudwatch.deploy.bundles import ITEMS, Item, build_bundle, build_bundles
from fraudwatch.deploy.requirements import Pins

__all__ = ["ITEMS", "Item", "Pins", "build_bundle", "build_bundles"]
