"""Small value types that UI hooks return."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MenuItem:
    """A navigation link. `roles` limits who sees it; `order` sorts ascending."""

    label: str
    href: str
    roles: tuple = ("admin", "manager", "marketer", "viewer")
    order: int = 100
    section: str = "main"  # "main" or "admin"


@dataclass(frozen=True)
class DashboardPanel:
    """A dashboard card: either ready `html` (a Markup) or a `template` rendered with `context`."""

    title: str
    html: str = ""
    template: str = ""
    context: dict = field(default_factory=dict)
    order: int = 100
    roles: tuple = ("admin", "manager", "marketer", "viewer")
