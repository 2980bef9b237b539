"""Batch scanning: printed cover sheets with a QR code, and splitting batch scans."""
