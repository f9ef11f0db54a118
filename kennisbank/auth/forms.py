from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[
        DataRequired("Vul uw e-mailadres in."), Length(max=254, message="Een e-mailadres is hoogstens 254 tekens.")])
    password = PasswordField("Wachtwoord", validators=[
        DataRequired("Vul uw wachtwoord in."), Length(max=1000, message="Dit wachtwoord is te lang.")])


class PasswordForm(FlaskForm):
    current = PasswordField("Huidig wachtwoord", validators=[
        DataRequired("Vul uw huidige wachtwoord in."), Length(max=1000, message="Dit wachtwoord is te lang.")])
    new = PasswordField("Nieuw wachtwoord (minstens 10 tekens)", validators=[
        DataRequired("Vul een nieuw wachtwoord in."), Length(max=1000, message="Dit wachtwoord is te lang.")])


class PhoneForm(FlaskForm):
    phone = StringField("Telefoonnummer", validators=[Length(max=40, message="Hoogstens 40 tekens.")])
