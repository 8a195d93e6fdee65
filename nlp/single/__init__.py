"""Classifying one message a call, the way intake asks: each step done once per message.

nlp.classifier's single-message path uses it; results are identical to the batch path's.
"""
