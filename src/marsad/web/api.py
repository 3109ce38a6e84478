"""Placeholder router, filled by the web issue's api part."""

from fastapi import APIRouter

router = APIRouter()
