"""The archive's signature service: PAdES signatures on PDFs and detached CMS signatures, with
their validation. It knows no domain: certificates, access extracts and journal anchors all call
it with the bytes to sign and the words to put in the signature.
"""
