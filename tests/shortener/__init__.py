"""Tests of helpers.shortener."""
