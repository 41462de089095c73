"""Headless Chromium driven over the DevTools protocol: what a person sees of the web page."""
