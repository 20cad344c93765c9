"""``{% follow_state topic as state %}``: whether the signed-in person follows ``topic`` (for the button)."""

from django import template

from .. import selectors, topics

register = template.Library()


@register.simple_tag(takes_context=True)
def follow_state(context, topic):
    request = context.get("request")
    user = getattr(request, "user", None)
    if topic is None or user is None or not user.is_authenticated or not topics.followable(topic):
        return None
    return {"label": topics.label_of(topic), "following": selectors.subscription_for(user, topic) is not None}
