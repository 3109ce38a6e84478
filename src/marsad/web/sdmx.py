"""Placeholder router, filled by the web issue's sdmx part."""

from fastapi import APIRouter

router = APIRouter()
