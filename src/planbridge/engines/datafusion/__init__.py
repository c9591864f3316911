"""The DataFusion engine."""

from planbridge.engines.datafusion.engine import DataFusionEngine, DataFusionTranslator

__all__ = ["DataFusionEngine", "DataFusionTranslator"]
