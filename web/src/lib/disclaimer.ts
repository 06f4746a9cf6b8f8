/** SPEC §1: shown on the dashboard, the login page and the live-trading switch. */
export const DISCLAIMER =
  "WARNING: this project is for education. It is a simplified but working HFT system built to teach the key ideas. A competitive HFT operation needs $1M–5M of capital and a team of specialised engineers. Do not use this system to trade real money. Trading carries a high risk of loss.";
