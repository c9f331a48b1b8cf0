"""Coreset selection: keep an exact budget of rows chosen by a sampling or geometric method."""
