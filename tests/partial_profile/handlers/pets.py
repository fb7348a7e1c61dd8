async def findPets(state, limit=None):
    """By hand: the list is always the same one pet."""
    return [{"id": 99, "name": "by hand"}], 200
