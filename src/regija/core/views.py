"""The start page: the strategies held, with links into the back office."""

from django.shortcuts import render

from regija.strategies import selectors as strategy_selectors


def home(request):
    return render(request, "core/home.html", {"strategies": strategy_selectors.strategy_list()})
