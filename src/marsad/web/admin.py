"""Placeholder router, filled by the web issue's admin part."""

from fastapi import APIRouter

router = APIRouter()
