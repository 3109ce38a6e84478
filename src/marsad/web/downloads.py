"""Placeholder router, filled by the web issue's downloads part."""

from fastapi import APIRouter

router = APIRouter()
