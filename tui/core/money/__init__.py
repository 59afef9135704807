"""Money: what tokens cost (`pricing`), what a plan will cost before it is sent (`estimate`) and what batches
cost once their results are in (`spend`).
"""
