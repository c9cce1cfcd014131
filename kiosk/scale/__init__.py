"""Weighing scales of the market counter: MT-SICS and one continuous format, over pyserial."""
