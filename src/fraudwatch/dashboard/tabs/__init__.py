"""One Shiny module per dashboard tab: monitoring, detection, review queue, operations."""
