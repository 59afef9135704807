"""Time: deadlines (expiry, retention, where results live: `deadlines`), throughput and ETAs (`throughput`),
and the dashboard's cost-and-time overview read in one go (`overview`).
"""
