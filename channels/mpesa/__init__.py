"""Daraja (M-Pesa) operator callbacks: STK push results and C2B (Paybill) notifications."""
