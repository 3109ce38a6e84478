"""Placeholder router, filled by the web issue's pages part."""

from fastapi import APIRouter

router = APIRouter()
