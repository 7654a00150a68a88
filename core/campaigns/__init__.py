"""Campaigns: objective, budget and the programs that work toward them."""
from .service import CampaignBusy, busy_programs, clean_campaign_data, delete_campaign, save_campaign, tags_of

__all__ = ["CampaignBusy", "busy_programs", "clean_campaign_data", "delete_campaign", "save_campaign", "tags_of"]
