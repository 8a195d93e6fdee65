"""What follows a report: 补充 (material the reporter adds soon after) and 联系反映人 (a
handler and the reporter talking through the bot, the reporter's identity kept)."""
