"""Digital drawing review (数字化审图): rules run on as-built DXF drawings."""
