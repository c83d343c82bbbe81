"""Neighbourhood events: repair cafés, basket tastings, meetings at La Grappe."""
