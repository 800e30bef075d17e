"""Faithful stand-ins for the external APIs (plain WSGI, no Django), served over real HTTP."""
