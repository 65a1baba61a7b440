import { SecondFactors } from "./second-factors";

// Checked client side like the dashboard: <SecondFactors> asks the API and
// goes to the login page on 401.
export default function AccountPage() {
  return (
    <>
      <h1>Account</h1>
      <SecondFactors />
    </>
  );
}
