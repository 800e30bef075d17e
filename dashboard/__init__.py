"""The admin's home page: is the merchant's shop in sync with Meta and every store?"""
