"""The SDK's side: the one place a client is made (`client`) and the one line a failed call becomes (`errors`).
"""
